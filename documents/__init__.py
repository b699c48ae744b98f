"""Letters: per-locale .docx templates, their contexts and the deterministic renderer."""
