"""What the tests share: fixtures' helpers, the e2e report plugin, a throwaway platform, tool paths."""
