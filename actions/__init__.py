"""Custom actions of MPS Assistant, run by the Rasa SDK action server."""
