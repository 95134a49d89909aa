"""Shared domain code of MPS Assistant: no Telegram or Rasa imports here."""
