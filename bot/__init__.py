"""Telegram front end of MPS Assistant (python-telegram-bot)."""
