"""Every side effect of a matter: letters, evidence, projection writes."""
