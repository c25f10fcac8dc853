package parse

import "testing"

func TestNewText(t *testing.T) {
	tests := []struct {
		name, text, want string
	}{
		{"plain", "Just text.\n", "Just text."},
		{"gmail english", "Thanks!\n\nOn Mon, Mar 4, 2024 at 10:00 AM Support <support@example.no> wrote:\n> old\n", "Thanks!"},
		{"gmail wrapped", "Fixed.\n\nOn Mon, Mar 4, 2024 at 10:00 AM Support Desk <\nsupport@example.no> wrote:\n\n> old\n", "Fixed."},
		{"gmail norwegian", "Takk!\n\nman. 4. mar. 2024 kl. 10:00 skrev Support <support@example.no>:\n> gammel\n", "Takk!"},
		{"apple norwegian", "Ok.\n\n> 4. mar. 2024 kl. 10:00 skrev Support <support@example.no>:\n> \n> gammel\n", "Ok."},
		{"den skrev", "Fint.\n\nDen 04.03.2024 10:00, skrev Ola Nordmann:\n> gammel\n", "Fint."},
		{"outlook separator", "Svar her.\n\n-----Original Message-----\nFrom: Ola\nSent: Monday\n\ngammel", "Svar her."},
		{"outlook norwegian", "Svar.\n\n-----Opprinnelig melding-----\nFra: Ola\n", "Svar."},
		{"outlook block", "Done.\n\n________________________________\nFrom: Support <support@example.no>\nSent: Monday, March 4, 2024 10:00\nTo: Ola\nSubject: Printer\n\nold text", "Done."},
		{"outlook block no rule", "Done.\n\nFra: Support <support@example.no>\nSendt: mandag 4. mars 2024 10:00\nTil: Ola\nEmne: Printer\n\ngammel", "Done."},
		{"interleaved", "> question one\nanswer one\n> question two\nanswer two\n", "answer one\nanswer two"},
		{"signature", "Body.\n\n-- \nOla Nordmann\nIT", "Body."},
		{"signature without space", "Body.\n--\nOla", "Body."},
		{"from in prose", "From: the start I said so.\nMore text.", "From: the start I said so.\nMore text."},
		{"wrote in prose", "I wrote: nothing\nyes", "I wrote: nothing\nyes"},
		{"only commands", "\n\nOn Tue, 5 Mar 2024, Ola wrote:\n> hi\n", ""},
		{"spanish", "Vale.\n\nEl lun, 4 mar 2024 a las 10:00, Ana (<ana@example.es>) escribió:\n> hola\n", "Vale."},
		{"french", "Merci.\n\nLe 4 mars 2024 à 10:00, Anne <anne@example.fr> a écrit :\n> salut\n", "Merci."},
		{"skrevet in prose", "Jeg har skrevet til dem kl. 10:\nmer tekst", "Jeg har skrevet til dem kl. 10:\nmer tekst"},
		{"crlf", "Hei\r\n\r\n> sitat\r\n", "Hei"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := NewText(tc.text); got != tc.want {
				t.Errorf("NewText(%q) = %q, want %q", tc.text, got, tc.want)
			}
		})
	}
}
