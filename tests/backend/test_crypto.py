"""Encryption at rest and keyed hashes (backend/crypto.py), and their settings."""

from __future__ import annotations

import pytest
from cryptography.fernet import Fernet

from backend.config import DEV_FIELD_ENCRYPTION_KEY, DEV_HASH_KEY, DEV_RASA_TOKEN, ConfigError, Settings
from backend.crypto import Crypto, DecryptionError, normalise_identifier, same_hash

KEY_A = Fernet.generate_key().decode()
KEY_B = Fernet.generate_key().decode()
ANSWERS = {"passport_number": "E12345678", "email": "jane@example.com", "surname": "Müller", "note": "王"}


def test_answers_round_trip_and_the_token_shows_nothing() -> None:
    crypto = Crypto(KEY_A, "h" * 32)
    token = crypto.encrypt_json(ANSWERS)
    assert crypto.decrypt_json(token) == ANSWERS
    for value in ("E12345678", "jane@example.com", "Müller", "12345678"):
        assert value not in token
    assert crypto.encrypt_json(ANSWERS) != token  # random IV: equal answers give different tokens
    assert crypto.decrypt_json(None) == {} and crypto.decrypt_json("") == {}


def test_a_wrong_key_cannot_read_and_says_so() -> None:
    token = Crypto(KEY_A, "h" * 32).encrypt_json(ANSWERS)
    with pytest.raises(DecryptionError):
        Crypto(KEY_B, "h" * 32).decrypt_json(token)


def test_key_rotation_first_key_encrypts_all_keys_decrypt() -> None:
    old = Crypto(KEY_A, "h" * 32)
    token = old.encrypt_json(ANSWERS)
    rotated = Crypto(f"{KEY_B},{KEY_A}", "h" * 32)
    assert rotated.decrypt_json(token) == ANSWERS
    fresh = rotated.rotate(token)
    assert Crypto(KEY_B, "h" * 32).decrypt_json(fresh) == ANSWERS
    with pytest.raises(DecryptionError):
        old.decrypt_json(rotated.encrypt_json(ANSWERS))


def test_keyed_hashes_depend_on_key_purpose_and_normalised_value() -> None:
    crypto = Crypto(KEY_A, "k" * 32)
    digest = crypto.passport_hash("E12345678")
    assert len(digest) == 64 and "E12345678" not in digest
    assert crypto.passport_hash(" e1234-5678 ") == digest  # spaces, hyphens, case do not matter
    assert Crypto(KEY_A, "other-key" * 4).passport_hash("E12345678") != digest
    assert crypto.keyed_hash("something_else", "E12345678") != digest
    # The last-four hash is bound to the case number.
    assert crypto.last4_hash("FJ2026000001", "5678") == crypto.last4_hash("fj2026000001", "5678")
    assert crypto.last4_hash("FJ2026000001", "5678") != crypto.last4_hash("FJ2026000002", "5678")
    assert same_hash(digest, crypto.passport_hash("E12345678"))
    assert not same_hash(digest, None) and not same_hash(None, None)
    assert normalise_identifier("ab 12-3") == "AB123"


def test_settings_read_the_keys_and_the_prefix_from_the_environment() -> None:
    settings = Settings.from_env(
        {"FIELD_ENCRYPTION_KEY": KEY_A, "HASH_KEY": "x" * 40, "RASA_TOKEN": "tok", "REGION": "weihai"}
    )
    assert (settings.field_encryption_key, settings.hash_key, settings.rasa_token) == (KEY_A, "x" * 40, "tok")
    assert settings.prefix == "WH"
    assert Settings.from_env({}).prefix == "FJ"
    assert Settings.from_env({"CASE_PREFIX": "xm"}).prefix == "XM"
    assert Settings.from_env({}).rasa_token == DEV_RASA_TOKEN  # Rasa always has a token (security/)


def test_production_refuses_the_development_keys() -> None:
    base = {
        "APP_ENV": "production",
        "SERVICE_TOKEN": "s" * 32,
        "SECRET_KEY": "k" * 40,
        "RASA_TOKEN": "r" * 32,
    }
    with pytest.raises(ConfigError) as raised:
        Settings.from_env(base).check()
    assert "FIELD_ENCRYPTION_KEY" in str(raised.value) and "HASH_KEY" in str(raised.value)
    with pytest.raises(ConfigError):  # a short hash key is refused too
        Settings.from_env({**base, "FIELD_ENCRYPTION_KEY": KEY_A, "HASH_KEY": "short"}).check()
    Settings.from_env({**base, "FIELD_ENCRYPTION_KEY": KEY_A, "HASH_KEY": "h" * 32}).check()
    Settings.from_env({}).check()  # development defaults are fine in development
    assert DEV_FIELD_ENCRYPTION_KEY and DEV_HASH_KEY


@pytest.mark.parametrize("value", ["not-a-key", "", "abc,def", KEY_A + ",broken"])
def test_a_malformed_encryption_key_is_refused_everywhere(value: str) -> None:
    env = {"FIELD_ENCRYPTION_KEY": value} if value else {"FIELD_ENCRYPTION_KEY": " , "}
    with pytest.raises(ConfigError) as raised:
        Settings.from_env(env).check()
    assert "FIELD_ENCRYPTION_KEY" in str(raised.value)


def test_a_malformed_case_prefix_is_refused() -> None:
    with pytest.raises(ConfigError):
        Settings.from_env({"CASE_PREFIX": "F1"}).check()
