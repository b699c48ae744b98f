"""Worker entrypoints, the Temporal client factory, the data converter and the encryption codec."""
