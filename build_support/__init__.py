"""How the package is built: the build backend (``backend``) and the compiled build of the rules
engine for the benchmark and the parity test (``compiled_rules``)."""
