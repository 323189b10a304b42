"""API2 workflows: ComfyUI workflow templates run on the generation engine (see services.py)."""
