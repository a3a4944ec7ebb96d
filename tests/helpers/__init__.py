"""What the tests share, imported as `helpers.<module>` (pytest puts this folder's parent on the path):

    files         where the repository's files are
    reference     the independent references: the notebook's loop and torch.optim, one game at a time
    exact         bit-for-bit comparison of a run's log with a reference
    trajectories  loss sequences with the verdict each must get
    reading       what a drawn figure shows, read back from its artists
    pages         run folders made through the command line, for the report page's tests
    runfolder     what a complete run folder holds
    terminal      reading what a command wrote to a pseudo-terminal
    firefox       Firefox driven through WebDriver BiDi
    search        how many examples the property tests look at (GUESSGAME_SEARCH)
"""
