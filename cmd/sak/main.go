package main

import (
	"os"

	"sak/cli"
)

func main() { os.Exit(cli.Main()) }
