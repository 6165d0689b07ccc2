package lint

import (
	"fmt"
	"math/big"
	"regexp"
	"strings"
)

// quantityRE is the Kubernetes quantity syntax: a signed decimal number
// and a suffix (binary Ki..Ei, decimal n..E, or an exponent e/E).
var quantityRE = regexp.MustCompile(`^([+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+))(Ki|Mi|Gi|Ti|Pi|Ei|n|u|m|k|M|G|T|P|E|[eE][+-]?[0-9]+)?$`)

var quantitySuffixes = map[string]*big.Rat{
	"": big.NewRat(1, 1), "n": big.NewRat(1, 1e9), "u": big.NewRat(1, 1e6), "m": big.NewRat(1, 1e3),
	"k": big.NewRat(1e3, 1), "M": big.NewRat(1e6, 1), "G": big.NewRat(1e9, 1), "T": big.NewRat(1e12, 1),
	"P": big.NewRat(1e15, 1), "E": big.NewRat(1e18, 1),
	"Ki": big.NewRat(1<<10, 1), "Mi": big.NewRat(1<<20, 1), "Gi": big.NewRat(1<<30, 1),
	"Ti": big.NewRat(1<<40, 1), "Pi": big.NewRat(1<<50, 1), "Ei": big.NewRat(1<<60, 1),
}

// parseQuantity returns a Kubernetes quantity ("512Mi", "1G", "1e9",
// "1073741824") as an integer, rounded up as the API's Value() does.
func parseQuantity(s string) (*big.Int, error) {
	m := quantityRE.FindStringSubmatch(strings.TrimSpace(s))
	if m == nil {
		return nil, fmt.Errorf("%q is not a quantity", s)
	}
	num, ok := new(big.Rat).SetString(m[1])
	if !ok {
		return nil, fmt.Errorf("%q is not a quantity", s)
	}
	suffix := m[2]
	if mult, ok := quantitySuffixes[suffix]; ok {
		num.Mul(num, mult)
	} else { // exponent
		var exp int
		if _, err := fmt.Sscan(suffix[1:], &exp); err != nil || exp > 30 || exp < -30 {
			return nil, fmt.Errorf("%q: exponent out of range", s)
		}
		pow := new(big.Rat).SetInt(new(big.Int).Exp(big.NewInt(10), big.NewInt(int64(abs(exp))), nil))
		if exp < 0 {
			pow.Inv(pow)
		}
		num.Mul(num, pow)
	}
	// Round up to an integer (towards +infinity).
	q, r := new(big.Int).QuoRem(num.Num(), num.Denom(), new(big.Int))
	if r.Sign() > 0 {
		q.Add(q, big.NewInt(1))
	}
	return q, nil
}

func abs(i int) int {
	if i < 0 {
		return -i
	}
	return i
}
