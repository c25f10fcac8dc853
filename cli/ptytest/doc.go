// Package ptytest runs the sak binary on a pseudo-terminal, as a person
// at a terminal runs it: the editor that reply opens, the pager of show,
// and tables fitted to the terminal's width. It holds only tests.
package ptytest
