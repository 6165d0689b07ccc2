package manifest

import (
	"bytes"
	"fmt"
	"math/big"
	"regexp"
	"strconv"
	"strings"
	"sync"
)

// Quantity is a resource quantity as written ("512Mi", "1G", 1e9). Like
// resource.Quantity it decodes from a JSON string or number; validation
// refuses the text resource.ParseQuantity refuses.
type Quantity string

// UnmarshalJSON keeps the value's text as resource.Quantity reads it: the
// quotes of a string removed, a number as written, null as zero.
func (q *Quantity) UnmarshalJSON(b []byte) error {
	if bytes.Equal(b, []byte("null")) {
		*q = "0"
		return nil
	}
	if l := len(b); l >= 2 && b[0] == '"' && b[l-1] == '"' {
		b = b[1 : l-1]
	}
	*q = Quantity(strings.TrimSpace(string(b)))
	return nil
}

// quantityRE is the Kubernetes quantity syntax: a signed decimal number
// and a suffix (binary Ki..Ei, decimal n..E, or an exponent e/E).
var quantityRE = sync.OnceValue(func() *regexp.Regexp {
	return regexp.MustCompile(`^([+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+))(Ki|Mi|Gi|Ti|Pi|Ei|n|u|m|k|M|G|T|P|E|[eE][+-]?[0-9]+)?$`)
})

var quantitySuffixes = map[string]*big.Rat{
	"": big.NewRat(1, 1), "n": big.NewRat(1, 1e9), "u": big.NewRat(1, 1e6), "m": big.NewRat(1, 1e3),
	"k": big.NewRat(1e3, 1), "M": big.NewRat(1e6, 1), "G": big.NewRat(1e9, 1), "T": big.NewRat(1e12, 1),
	"P": big.NewRat(1e15, 1), "E": big.NewRat(1e18, 1),
	"Ki": big.NewRat(1<<10, 1), "Mi": big.NewRat(1<<20, 1), "Gi": big.NewRat(1<<30, 1),
	"Ti": big.NewRat(1<<40, 1), "Pi": big.NewRat(1<<50, 1), "Ei": big.NewRat(1<<60, 1),
}

// Value returns the quantity as an integer, rounded up as
// resource.Quantity's Value does; an error for text that is not a
// quantity.
func (q Quantity) Value() (*big.Int, error) {
	m := quantityRE().FindStringSubmatch(string(q))
	if m == nil {
		return nil, fmt.Errorf("%q is not a quantity", string(q))
	}
	num, ok := new(big.Rat).SetString(m[1])
	if !ok {
		return nil, fmt.Errorf("%q is not a quantity", string(q))
	}
	suffix := m[2]
	if mult, ok := quantitySuffixes[suffix]; ok {
		num.Mul(num, mult)
	} else { // exponent
		exp, err := strconv.Atoi(suffix[1:])
		if err != nil || exp > 30 || exp < -30 {
			return nil, fmt.Errorf("%q: exponent out of range", string(q))
		}
		pow := new(big.Rat).SetInt(new(big.Int).Exp(big.NewInt(10), big.NewInt(int64(max(exp, -exp))), nil))
		if exp < 0 {
			pow.Inv(pow)
		}
		num.Mul(num, pow)
	}
	// Round up to an integer (towards +infinity).
	n, r := new(big.Int).QuoRem(num.Num(), num.Denom(), new(big.Int))
	if r.Sign() > 0 {
		n.Add(n, big.NewInt(1))
	}
	return n, nil
}
