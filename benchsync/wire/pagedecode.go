package wire

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"strconv"

	"github.com/intakebench/intakebench/intake"
)

// DecodeChangesPage is Decode for a page of changes, the body a bench reads
// most by far: an initial pull reads hundreds of megabytes of it. Through
// encoding/json's reflection a trade-in cost 20 µs to decode, more than
// everything else the bench does with it; this reads the form the hub
// writes (compact, known members only, each once) directly, in a tenth of
// that, and returns each trade-in's JSON as it came, so the store need not
// encode it again: docs[i] is that of p.Changes[i], nil for a change that
// carries no trade-in. docs is nil when the page was not in the hub's own
// form, and the trade-ins must then be encoded again.
//
// Anything else, valid or not, is decoded by encoding/json as before: the
// fast path gives up at the first thing it does not know (an unknown or
// repeated member, a null, a number with a fraction), so what it accepts it
// reads exactly as encoding/json would (TestDecodeChangesPageAsEncodingJSON
// and FuzzDecodeChangesPage hold them together).
func DecodeChangesPage(r io.Reader, limit int64, p *ChangesPage) (docs [][]byte, err error) {
	data, err := ReadPage(r, limit)
	if err != nil {
		return nil, err
	}
	return DecodePage(data, limit, p)
}

// ReadPage reads the body of a page of changes, of at most limit bytes,
// for DecodePage.
func ReadPage(r io.Reader, limit int64) ([]byte, error) {
	var buf bytes.Buffer
	// Most pages are a few hundred kilobytes: start with room for one.
	buf.Grow(256 << 10)
	n, err := buf.ReadFrom(io.LimitReader(r, limit+1))
	if err != nil {
		return nil, fmt.Errorf("malformed JSON: %w", err)
	}
	if n > limit {
		return nil, fmt.Errorf("%w: over %d bytes", ErrTooLarge, limit)
	}
	return buf.Bytes(), nil
}

// DecodePage decodes and validates the body of a page read by ReadPage
// (see DecodeChangesPage). The trade-ins' JSON it returns are parts of
// data.
func DecodePage(data []byte, limit int64, p *ChangesPage) (docs [][]byte, err error) {
	pp := pageParser{data: data}
	var fast ChangesPage
	if !pp.page(&fast) {
		*p = ChangesPage{}
		return nil, Decode(bytes.NewReader(data), limit, p)
	}
	*p = fast
	if err := p.Validate(); err != nil {
		return nil, fmt.Errorf("invalid body: %w", err)
	}
	return pp.docs, nil
}

// PeekPage reads where the log goes on after a page, from the page's body
// before it is decoded: a hub writes next_cursor and has_more first, so
// that a bench can ask for the next page while it decodes this one. ok is
// false for a page that does not begin with them (a hub before it). The
// page decoded must say the same (the bench checks).
func PeekPage(data []byte) (next string, more, ok bool) {
	p := pageParser{data: data}
	if !p.next('{') || !p.key("next_cursor") || !p.str(&next) || !p.next(',') || !p.key("has_more") || !p.boolean(&more) {
		return "", false, false
	}
	return next, more, true
}

// key reads an object's key and its colon, if it is want, and the white
// space before its value.
func (p *pageParser) key(want string) bool {
	p.space()
	start, end, plain, ok := p.quoted()
	if !ok || !plain || string(p.data[start+1:end-1]) != want || !p.next(':') {
		return false
	}
	p.space()
	return true
}

// pageParser reads a page in the hub's own form. Each method returns false
// where the input leaves that form, and the caller gives up on the whole
// page: encoding/json reads it, or says what is wrong with it.
type pageParser struct {
	data []byte
	i    int
	docs [][]byte // the trade-ins' JSON, by change
	// common holds the values that trade-ins share (statuses, makes and
	// models, the questionnaire's questions and answers), each allocated
	// once a page instead of once a trade-in: the garbage collector's
	// share of a pull is a tenth.
	common map[string]string
}

// maxCommon bounds common: a hostile page of distinct values costs no
// more than one of ordinary ones.
const maxCommon = 4096

func (p *pageParser) space() {
	for p.i < len(p.data) {
		switch p.data[p.i] {
		case ' ', '\t', '\n', '\r':
			p.i++
		default:
			return
		}
	}
}

// next skips white space and consumes c if it comes next.
func (p *pageParser) next(c byte) bool {
	p.space()
	if p.i < len(p.data) && p.data[p.i] == c {
		p.i++
		return true
	}
	return false
}

// peek skips white space and reports whether c comes next.
func (p *pageParser) peek(c byte) bool {
	p.space()
	return p.i < len(p.data) && p.data[p.i] == c
}

// object reads a JSON object, calling member for each member with the key
// as it is written, the parser on the value. A key with escapes or other
// than ASCII, or one seen twice (bit of seen), leaves the form: encoding/json
// matches keys case-insensitively and merges repeated objects.
func (p *pageParser) object(member func(key []byte) bool) bool {
	if !p.next('{') {
		return false
	}
	if p.next('}') {
		return true
	}
	for {
		p.space()
		if p.i >= len(p.data) || p.data[p.i] != '"' {
			return false
		}
		start := p.i + 1
		end := start
		for end < len(p.data) && p.data[end] != '"' {
			if c := p.data[end]; c < 0x20 || c == '\\' || c >= 0x80 {
				return false
			}
			end++
		}
		if end >= len(p.data) {
			return false
		}
		p.i = end + 1
		if !p.next(':') {
			return false
		}
		p.space()
		if !member(p.data[start:end]) {
			return false
		}
		if p.next(',') {
			continue
		}
		return p.next('}')
	}
}

// once records key bit in seen, false when it was there already.
func once(seen *uint32, bit uint32) bool {
	if *seen&bit != 0 {
		return false
	}
	*seen |= bit
	return true
}

// quoted returns the extent of the JSON string at the parser, its quotes
// included, and whether it holds only printable ASCII without escapes.
func (p *pageParser) quoted() (start, end int, plain, ok bool) {
	if p.i >= len(p.data) || p.data[p.i] != '"' {
		return 0, 0, false, false
	}
	start, plain = p.i, true
	for j := p.i + 1; j < len(p.data); j++ {
		switch c := p.data[j]; {
		case c == '"':
			p.i = j + 1
			return start, j + 1, plain, true
		case c == '\\':
			plain = false
			j++ // the escaped character cannot end the string
		case c < 0x20:
			return 0, 0, false, false // encoding/json refuses it: let it say so
		case c >= 0x80:
			plain = false
		}
	}
	return 0, 0, false, false
}

// str reads a JSON string. One with escapes or other than ASCII is
// unquoted by encoding/json itself, which also mends invalid UTF-8 as it
// always has.
func (p *pageParser) str(out *string) bool {
	start, end, plain, ok := p.quoted()
	if !ok {
		return false
	}
	if plain {
		*out = string(p.data[start+1 : end-1])
		return true
	}
	return json.Unmarshal(p.data[start:end], out) == nil
}

// shared is str for a value many trade-ins of a page have.
func (p *pageParser) shared(out *string) bool {
	start, end, plain, ok := p.quoted()
	if !ok || !plain {
		p.i = start
		return ok && p.str(out)
	}
	b := p.data[start+1 : end-1]
	if v, ok := p.common[string(b)]; ok {
		*out = v
		return true
	}
	*out = string(b)
	if p.common == nil {
		p.common = make(map[string]string, 64)
	}
	if len(p.common) < maxCommon {
		p.common[*out] = *out
	}
	return true
}

// text reads a JSON string into a value that unmarshals itself from text,
// as encoding/json does with it.
func (p *pageParser) text(out interface{ UnmarshalText([]byte) error }) bool {
	var s string
	return p.str(&s) && out.UnmarshalText([]byte(s)) == nil
}

// integer reads an integer: a number with a fraction or an exponent is for
// encoding/json to refuse.
func (p *pageParser) integer(out *int64) bool {
	start := p.i
	j := p.i
	if j < len(p.data) && p.data[j] == '-' {
		j++
	}
	digits := j
	for j < len(p.data) && p.data[j] >= '0' && p.data[j] <= '9' {
		j++
	}
	if j == digits || (p.data[digits] == '0' && j > digits+1) {
		return false
	}
	if j < len(p.data) {
		switch p.data[j] {
		case '.', 'e', 'E':
			return false
		}
	}
	v, err := strconv.ParseInt(string(p.data[start:j]), 10, 64)
	if err != nil {
		return false
	}
	p.i, *out = j, v
	return true
}

func (p *pageParser) boolean(out *bool) bool {
	switch {
	case bytes.HasPrefix(p.data[p.i:], []byte("true")):
		p.i, *out = p.i+4, true
	case bytes.HasPrefix(p.data[p.i:], []byte("false")):
		p.i, *out = p.i+5, false
	default:
		return false
	}
	return true
}

// span returns the extent of the JSON value at the parser, for
// encoding/json to decode. It only has to find where a valid value ends:
// the decoding refuses an invalid one, and the parser goes on checking
// what follows.
func (p *pageParser) span() (start, end int, ok bool) {
	start = p.i
	depth := 0
	for p.i < len(p.data) {
		switch c := p.data[p.i]; c {
		case '"':
			if _, _, _, ok := p.quoted(); !ok {
				return 0, 0, false
			}
			if depth == 0 {
				return start, p.i, true
			}
			continue
		case '{', '[':
			depth++
		case '}', ']':
			if depth == 0 {
				return 0, 0, false
			}
			if depth--; depth == 0 {
				p.i++
				return start, p.i, true
			}
		case ',', ' ', '\t', '\n', '\r':
			if depth == 0 {
				return start, p.i, p.i > start
			}
		}
		p.i++
	}
	return 0, 0, false
}

// decodeSpan decodes the value at the parser with encoding/json.
func (p *pageParser) decodeSpan(out any) bool {
	start, end, ok := p.span()
	return ok && json.Unmarshal(p.data[start:end], out) == nil
}

func (p *pageParser) page(out *ChangesPage) bool {
	var seen uint32
	ok := p.object(func(key []byte) bool {
		switch string(key) {
		case "changes":
			return once(&seen, 1) && p.changes(&out.Changes)
		case "next_cursor":
			return once(&seen, 2) && p.str(&out.NextCursor)
		case "has_more":
			return once(&seen, 4) && p.boolean(&out.HasMore)
		case "remaining":
			return once(&seen, 8) && p.integer(&out.Remaining)
		}
		return false
	})
	p.space()
	return ok && p.i == len(p.data)
}

func (p *pageParser) changes(out *[]Change) bool {
	if !p.next('[') {
		return false
	}
	// As encoding/json: an empty array is an empty slice, not nil.
	cs := make([]Change, 0, bytes.Count(p.data[p.i:], []byte(`"seq"`)))
	if !p.next(']') {
		for {
			cs = append(cs, Change{})
			if !p.change(&cs[len(cs)-1]) {
				return false
			}
			if p.next(',') {
				continue
			}
			if !p.next(']') {
				return false
			}
			break
		}
	}
	*out = cs
	return true
}

func (p *pageParser) change(c *Change) bool {
	p.docs = append(p.docs, nil)
	var seen uint32
	return p.object(func(key []byte) bool {
		switch string(key) {
		case "seq":
			return once(&seen, 1) && p.integer(&c.Seq)
		case "entity":
			return once(&seen, 2) && p.shared((*string)(&c.Entity))
		case "op":
			return once(&seen, 4) && p.shared((*string)(&c.Op))
		case "id":
			return once(&seen, 8) && p.str(&c.ID)
		case "trade_in":
			if !once(&seen, 16) || p.peek('n') {
				return false
			}
			start := p.i
			t := new(intake.TradeIn)
			if !p.tradeIn(t) {
				return false
			}
			c.TradeIn, p.docs[len(p.docs)-1] = t, p.data[start:p.i:p.i]
			return true
		case "flag":
			return once(&seen, 32) && !p.peek('n') && p.decodeSpan(&c.Flag)
		case "operator":
			return once(&seen, 64) && !p.peek('n') && p.decodeSpan(&c.Operator)
		case "variant":
			return once(&seen, 128) && !p.peek('n') && p.decodeSpan(&c.Variant)
		case "review":
			return once(&seen, 256) && !p.peek('n') && p.decodeSpan(&c.Review)
		case "quarantine":
			return once(&seen, 512) && !p.peek('n') && p.decodeSpan(&c.Quarantine)
		}
		return false
	})
}

// tradeIn reads the members of a trade-in that a hub sends benches; one it
// keeps to itself (source, customer_id, photos…) leaves the form.
func (p *pageParser) tradeIn(t *intake.TradeIn) bool {
	var seen uint32
	return p.object(func(key []byte) bool {
		switch string(key) {
		case "id":
			return once(&seen, 1<<0) && p.str(&t.ID)
		case "reference":
			return once(&seen, 1<<1) && p.str(&t.Reference)
		case "status":
			return once(&seen, 1<<2) && p.shared((*string)(&t.Status))
		case "device":
			return once(&seen, 1<<3) && p.device(&t.Device)
		case "imei":
			return once(&seen, 1<<4) && p.str(&t.IMEI)
		case "imei2":
			return once(&seen, 1<<5) && p.str(&t.IMEI2)
		case "meid":
			return once(&seen, 1<<6) && p.str(&t.MEID)
		case "serial":
			return once(&seen, 1<<7) && p.str(&t.Serial)
		case "customer":
			return once(&seen, 1<<8) && p.customer(&t.Customer)
		case "tracking":
			return once(&seen, 1<<9) && p.str(&t.Tracking)
		case "disclosed":
			return once(&seen, 1<<10) && p.text(&t.Disclosed)
		case "answers":
			return once(&seen, 1<<11) && p.answers(&t.Answers)
		case "offer":
			return once(&seen, 1<<12) && p.integer((*int64)(&t.Offer))
		case "prices":
			return once(&seen, 1<<13) && p.prices(&t.Prices)
		case "receipt":
			return once(&seen, 1<<14) && !p.peek('n') && p.decodeSpan(&t.Receipt)
		case "updated_at":
			// encoding/json hands a time its literal, quotes and all.
			start, end, _, ok := p.quoted()
			return once(&seen, 1<<15) && ok && t.UpdatedAt.UnmarshalJSON(p.data[start:end]) == nil
		}
		return false
	})
}

func (p *pageParser) device(d *intake.Device) bool {
	var seen uint32
	return p.object(func(key []byte) bool {
		switch string(key) {
		case "make":
			return once(&seen, 1) && p.shared(&d.Make)
		case "model":
			return once(&seen, 2) && p.shared(&d.Model)
		case "storage":
			return once(&seen, 4) && p.shared(&d.Storage)
		case "colour":
			return once(&seen, 8) && p.shared(&d.Colour)
		case "carrier":
			return once(&seen, 16) && p.shared(&d.Carrier)
		case "sku":
			return once(&seen, 32) && p.shared(&d.SKU)
		}
		return false
	})
}

func (p *pageParser) customer(c *intake.Customer) bool {
	var seen uint32
	return p.object(func(key []byte) bool {
		switch string(key) {
		case "name":
			return once(&seen, 1) && p.str(&c.Name)
		case "email":
			return once(&seen, 2) && p.str(&c.Email)
		case "phone":
			return once(&seen, 4) && p.str(&c.Phone)
		}
		return false
	})
}

func (p *pageParser) answers(out *[]intake.Answer) bool {
	if !p.next('[') {
		return false
	}
	as := make([]intake.Answer, 0, 8)
	if !p.next(']') {
		for {
			var a intake.Answer
			var seen uint32
			ok := p.object(func(key []byte) bool {
				switch string(key) {
				case "question":
					return once(&seen, 1) && p.shared(&a.Question)
				case "answer":
					return once(&seen, 2) && p.shared(&a.Answer)
				}
				return false
			})
			if !ok {
				return false
			}
			as = append(as, a)
			if p.next(',') {
				continue
			}
			if !p.next(']') {
				return false
			}
			break
		}
	}
	*out = as
	return true
}

// prices reads a price table. Like encoding/json it keeps the last of a
// repeated condition, and makes an empty table of {}.
func (p *pageParser) prices(out *intake.PriceTable) bool {
	table := make(intake.PriceTable, 6)
	ok := p.object(func(key []byte) bool {
		var c intake.Condition
		var v int64
		if c.UnmarshalText(key) != nil || !p.integer(&v) {
			return false
		}
		table[c] = intake.Cents(v)
		return true
	})
	if ok {
		*out = table
	}
	return ok
}
