"""The form base: settings per form (actions/forms.yml, settings.py), what every form does the
same way without rasa-sdk (base.py), and the rasa-sdk side (action.py: FormBase, reset_slots).
Import from the submodules; this package imports nothing, so that base.py stays rasa-sdk free."""
