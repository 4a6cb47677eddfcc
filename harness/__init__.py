"""Reference platform harness: LocalPlatform, KindPlatform, the local workflow runner."""
