"""The classifier's one-message path (nlu.linear.OneTextScorer, in the Rasa env) gives
the probabilities and the readings of sklearn's own: Rasa asks for one message a turn."""

from __future__ import annotations

from tests.rasa_env import in_rasa

SCRIPT = """
import json, pickle
import numpy as np
from nlu.linear import LinearIntentModel, ModelConfig

examples = {
    "greet": ["hello", "hi there", "good morning", "salam alaikum", "مرحبا", "السلام عليكم",
              "سڵاو", "بەیانی باش"],
    "faq/opening_hours": ["what are your opening hours", "when do you open",
                          "شوكت تفتحون", "اوقات الدوام", "کاتی کردنەوە"],
    "faq/lost_id": ["i lost my id card", "lost my passport what to do", "ضاعت هويتي",
                    "فقدت الجواز", "ناسنامەکەم ون بوو"],
    "emergency": ["help someone is attacking me", "a man has a knife right now",
                  "الحقوني واحد يطعن", "فریام کەون"],
    "thank": ["thanks", "thank you so much", "شكرا", "سوپاس"],
}
texts = [t for ts in examples.values() for t in ts]
labels = [label for label, ts in examples.items() for _ in ts]
model = LinearIntentModel(ModelConfig()).fit(texts, labels)
model.classifier.coef_ = model.classifier.coef_.astype(np.float32)  # as the component keeps it
unseen = ["hello when do you open", "i lost my card yesterday", "واحد عنده سكينة هسه",
          "سوپاس بۆ یارمەتی", "qqqq zzzz", "", "thanks!!! hello?"]
asked = texts + unseen
batch = model.predict_proba(asked)
one = np.array([model.predict_one(t) for t in asked])
kept = pickle.loads(pickle.dumps(model))  # the scorer is not pickled, and is rebuilt
print(json.dumps({
    "max_diff": float(np.abs(batch - one).max()),
    "same_top": [int(i) for i in batch.argmax(1)] == [int(i) for i in one.argmax(1)],
    "sums": float(np.abs(one.sum(1) - 1).max()),
    "pickled": "_scorer" not in kept.__dict__,
    "reloaded_diff": float(np.abs(kept.predict_one(unseen[0]) - batch[len(texts)]).max()),
}))
"""


def test_one_message_gets_the_probabilities_of_a_batch() -> None:
    out = in_rasa(SCRIPT)
    # Float32 features summed in another order: equal to about a millionth.
    assert out["max_diff"] < 1e-5
    assert out["same_top"] is True
    assert out["sums"] < 1e-9
    assert out["pickled"] is True
    assert out["reloaded_diff"] < 1e-5
