"""ComfyUI API-format workflows shipped with facebuild (installed as facebuild.workflows)."""
