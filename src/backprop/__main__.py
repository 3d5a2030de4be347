"""python -m backprop."""

from backprop.console import main

main()
