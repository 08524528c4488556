"""Camera sensors: the EMVA 1288 chain for NIR and RGB and the named sensor catalogue."""
