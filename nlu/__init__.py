"""NLU extras: Rasa components, the data build step and the evaluation."""
