package parse

import (
	"reflect"
	"testing"
)

func TestTicketTags(t *testing.T) {
	tests := []struct {
		subject string
		want    []TicketTag
	}{
		{"[support #42] Printer", []TicketTag{{"support", 42}}},
		{"Re: [support #42] [TAKE] [give  bob] help", []TicketTag{{"support", 42}}},
		{"SV: [IT-Help #7] og [opptak.uio.no #123456]", []TicketTag{{"IT-Help", 7}, {"opptak.uio.no", 123456}}},
		{"[økonomi #9] Reiseregning", []TicketTag{{"økonomi", 9}}},
		{"[[support #1]]", []TicketTag{{"support", 1}}},
		{"[support  #3]", []TicketTag{{"support", 3}}},
		{"[sup port #3]", nil},
		{"[support #]", nil},
		{"[support 42]", nil},
		{"[support #-1]", nil},
		{"[support #99999999999999999999]", nil},
		{"[under_score #5]", []TicketTag{{"under_score", 5}}},
		{"", nil},
	}
	for _, tc := range tests {
		t.Run(tc.subject, func(t *testing.T) {
			if got := TicketTags(tc.subject); !reflect.DeepEqual(got, tc.want) {
				t.Errorf("TicketTags(%q) = %v, want %v", tc.subject, got, tc.want)
			}
		})
	}
}

func TestCommands(t *testing.T) {
	tests := []struct {
		subject  string
		want     []Command
		wantRest string
	}{
		{"Re: [support #42] [TAKE] [give  bob] help", []Command{{"take", ""}, {"give", "bob"}}, "Re: [support #42] help"},
		{"[take]", []Command{{"take", ""}}, ""},
		{"[Give alice] [move it-help] Printer", []Command{{"give", "alice"}, {"move", "it-help"}}, "Printer"},
		{"[ resolve ] done", []Command{{"resolve", ""}}, "done"},
		{"[move]", nil, "[move]"},
		{"[give]", nil, "[give]"},
		{"[give a b]", nil, "[give a b]"},
		{"[take it]", nil, "[take it]"},
		{"Re: [support #4] [remind 2d] [take]", []Command{{"remind", "2d"}, {"take", ""}}, "Re: [support #4]"},
		{"[remind 1d12h]", []Command{{"remind", "1d12h"}}, ""},
		{"[remind soon]", nil, "[remind soon]"},
		{"[remind]", nil, "[remind]"},
		{"[External] [steal] Re: [support #1]", []Command{{"steal", ""}}, "[External] Re: [support #1]"},
		{"[[take]]", []Command{{"take", ""}}, "[]"},
		{"[give [take] bob]", []Command{{"take", ""}, {"give", "bob"}}, ""},
		{"[give[comment]bob]", []Command{{"comment", ""}}, "[givebob]"},
		{"[reject] [stall] [open] [comment]", []Command{{"reject", ""}, {"stall", ""}, {"open", ""}, {"comment", ""}}, ""},
		{"SV: [support #42] [ta over] Søknad om opptak – æøå", nil, "SV: [support #42] [ta over] Søknad om opptak – æøå"},
		{"Re: [opptak #7] [give kåre] Søknad", []Command{{"give", "kåre"}}, "Re: [opptak #7] Søknad"},
		{"[move #42]", nil, "[move #42]"},
		{"unbalanced ] [take", nil, "unbalanced ] [take"},
		{"  spaced   out  ", nil, "spaced out"},
	}
	for _, tc := range tests {
		t.Run(tc.subject, func(t *testing.T) {
			got, rest := Commands(tc.subject)
			if !reflect.DeepEqual(got, tc.want) || rest != tc.wantRest {
				t.Errorf("Commands(%q) = %v, %q, want %v, %q", tc.subject, got, rest, tc.want, tc.wantRest)
			}
		})
	}
}

func TestAttempts(t *testing.T) {
	tests := []struct {
		rest string
		want []string
	}{
		{"Re: [support #42] [reslove] help", []string{"[reslove]"}},
		{"[tkae] [ stal  ]", []string{"[tkae]", "[stal]"}},
		{"[EXTERNAL] [SPAM] [Ekstern] Re: [support #1]", nil},
		{"[give] [remind soon] [MOVE]", []string{"[give]", "[remind soon]", "[MOVE]"}},
		{"[gvie bob]", []string{"[gvie bob]"}},
		{"[support #42]", nil},
		{"[ta over] [take it easy]", []string{"[ta over]"}},
		{"[x] [æøå] [a1] [wwwwwwwwwwwwwwwwwwwww]", nil},
		{"[]", nil},
		{"no brackets", nil},
	}
	for _, tc := range tests {
		t.Run(tc.rest, func(t *testing.T) {
			if got := Attempts(tc.rest); !reflect.DeepEqual(got, tc.want) {
				t.Errorf("Attempts(%q) = %q, want %q", tc.rest, got, tc.want)
			}
		})
	}
}
