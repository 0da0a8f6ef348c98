package nft

import (
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
)

// listed is a rule of the actuator's table as nft lists it: its chain, its
// handle and the rule number its comment carries.
type listed struct {
	chain  string
	handle int64
	number int64
}

// commentPrefix starts the comment of every rule the actuator adds; the
// rule number follows.
const commentPrefix = "slpf:"

// comment returns the comment word of rule number n, quoted for nft.
func comment(n int64) string { return strconv.Quote(commentPrefix + strconv.FormatInt(n, 10)) }

// parseListing reads the output of "nft --json ... list table" (libnftables
// JSON, schema version 1): the rules of the actuator's table whose comment
// carries a rule number, in the order nft lists them, which is their order
// in each chain. Rules with other comments are not the actuator's and are
// left out.
func parseListing(out []byte) ([]listed, error) {
	var doc struct {
		Nftables []struct {
			Rule *struct {
				Table   string `json:"table"`
				Chain   string `json:"chain"`
				Handle  int64  `json:"handle"`
				Comment string `json:"comment"`
			} `json:"rule"`
		} `json:"nftables"`
	}
	if err := json.Unmarshal(out, &doc); err != nil {
		return nil, fmt.Errorf("read nft --json listing: %v", err)
	}
	var rules []listed
	for _, o := range doc.Nftables {
		r := o.Rule
		if r == nil || r.Table != table {
			continue
		}
		digits, ok := strings.CutPrefix(r.Comment, commentPrefix)
		if !ok {
			continue
		}
		n, err := strconv.ParseInt(digits, 10, 64)
		if err != nil || n < 0 {
			return nil, fmt.Errorf("rule handle %d in chain %s has comment %q, not %s<rule number>", r.Handle, r.Chain, r.Comment, commentPrefix)
		}
		rules = append(rules, listed{chain: r.Chain, handle: r.Handle, number: n})
	}
	return rules, nil
}
