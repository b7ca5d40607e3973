from indexops.cli.app import run

run()
