"""Front ends: each reads one input kind and feeds the shared `ModelBuilder` (see `build`)."""
