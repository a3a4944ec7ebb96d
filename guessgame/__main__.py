from guessgame.launch import main

main()
