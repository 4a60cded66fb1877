"""Command-line front ends that belong to no single subsystem (simulate, bench)."""
