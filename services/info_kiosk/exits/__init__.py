"""The way out: what each exit of the station leads to, "which exit for …", routes that end outside."""
