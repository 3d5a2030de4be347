"""python -m backprop."""

from backprop.cli import main

main()
