"""One module per resource: health, matters (and their commands), documents."""
