"""The KCL back end: maps the IR to KCL names and types and renders templates."""
