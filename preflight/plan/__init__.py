"""The plan room: what an `up` would change against prior state (changes: update, replace, delete and
the data guard, from replacements.json), and adopting the guide's Terraform deployment (terraform,
adopt)."""
