"""GPU price feeds: daily new and used prices of the tracked cards (exhibits 7 and 8)."""
