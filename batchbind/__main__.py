from batchbind.cli import main

main()
