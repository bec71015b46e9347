"""facebuild: make for character art."""
