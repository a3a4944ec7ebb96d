from guessgame.cli import main

main()
