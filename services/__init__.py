"""The four station services and their shared kernel (kernel)."""
