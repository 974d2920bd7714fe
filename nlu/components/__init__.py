"""Custom Rasa NLU components: bilingual tokenizer, TF-IDF intent classifier, language detection.

`language_detection` is pure Python (no Rasa import) so the action server can share it.
Policies and the response generator are in dialogue/, Rasa's runtime workarounds in rasa_ext/.
"""
