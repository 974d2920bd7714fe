"""`python -m rasa_ext run ...` starts Rasa with the project's workarounds (rasa_ext/launcher.py)."""

from rasa_ext.launcher import main

if __name__ == "__main__":
    main()
