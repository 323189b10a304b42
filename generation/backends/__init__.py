"""Generation back ends: ``local`` (Pillow preview renderer); ``comfyui`` comes in a later slice."""
