"""Custom Rasa components: bilingual tokenizer, language detection, language policy, NLG.

`language_detection` is pure Python (no Rasa import) so the action server can share it.
"""
