"""Dialogue components for Rasa: the policies, the response generator, the conversation language.

`fast_rule_policy` (RulePolicy's predictions for less work) and `language_policy` are
named in config.yml, `bilingual_nlg` in endpoints.yml.
"""
