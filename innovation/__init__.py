"""Helsingborg's innovation model: ideas travelling from intake to a scaled solution."""
