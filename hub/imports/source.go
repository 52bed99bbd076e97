package imports

import (
	"bufio"
	"bytes"
	"encoding/csv"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"
)

// column is one column of a kind's files.
type column struct {
	name     string
	required bool // the CSV header must name it
}

// row is one record of a file, its values in the kind's column order, ""
// for a column the file leaves out, and the problems its checks found.
type row struct {
	line     int
	cols     []column
	vals     []string
	rejected []Rejection
}

// get is the value of column i, without surrounding blanks.
func (r *row) get(i int) string { return strings.TrimSpace(r.vals[i]) }

// reject records a problem of column i (-1: of the row as a whole).
func (r *row) reject(i int, format string, args ...any) {
	field := ""
	if i >= 0 {
		field = r.cols[i].name
	}
	r.rejected = append(r.rejected, Rejection{Line: r.line, Field: field, Reason: fmt.Sprintf(format, args...)})
}

// source reads a file's rows in order; io.EOF after the last.
type source interface {
	next() (*row, error)
}

func newSource(in io.Reader, f Format, cols []column) (source, error) {
	if f == FormatJSONL {
		return newJSONL(in, cols), nil
	}
	return newCSV(in, cols)
}

// prescan reads a whole file for its structure and counts its rows.
func prescan(in io.Reader, f Format, cols []column) (int, error) {
	var src source
	if f == FormatJSONL {
		j := newJSONL(in, cols)
		j.structureOnly = true
		src = j
	} else {
		c, err := newCSV(in, cols)
		if err != nil {
			return 0, err
		}
		src = c
	}
	n := 0
	for {
		_, err := src.next()
		if err == io.EOF {
			return n, nil
		}
		if err != nil {
			return n, err
		}
		n++
	}
}

func columnNames(cols []column) string {
	names := make([]string, len(cols))
	for i, c := range cols {
		names[i] = c.name
	}
	return strings.Join(names, ", ")
}

// csvSource reads RFC 4180 CSV whose first record names the columns.
type csvSource struct {
	r     *csv.Reader
	index []int // the kind's column of each of the file's, -1 for none
	row   row
}

const bom = "\ufeff"

func newCSV(in io.Reader, cols []column) (*csvSource, error) {
	r := csv.NewReader(bufio.NewReaderSize(in, 64<<10))
	r.ReuseRecord = true
	header, err := r.Read()
	if err == io.EOF {
		return nil, &FormatError{Msg: fmt.Sprintf("the file is empty: a CSV file starts with a header naming its columns (%s)", columnNames(cols))}
	}
	if err != nil {
		return nil, csvError(err)
	}
	byName := map[string]int{}
	for i, c := range cols {
		byName[c.name] = i
	}
	s := &csvSource{r: r, index: make([]int, len(header)), row: row{cols: cols, vals: make([]string, len(cols))}}
	seen := map[int]bool{}
	var unknown []string
	for i, h := range header {
		name := strings.ToLower(strings.TrimSpace(strings.TrimPrefix(h, bom)))
		c, ok := byName[name]
		if !ok {
			unknown = append(unknown, fmt.Sprintf("%.40q", h))
			s.index[i] = -1
			continue
		}
		if seen[c] {
			return nil, &FormatError{Line: 1, Msg: fmt.Sprintf("the header names the column %s twice", name)}
		}
		seen[c] = true
		s.index[i] = c
	}
	switch {
	case len(unknown) == len(header):
		return nil, &FormatError{Line: 1, Msg: fmt.Sprintf("no header: the first line must name the columns (%s)", columnNames(cols))}
	case len(unknown) > 0:
		return nil, &FormatError{Line: 1, Msg: fmt.Sprintf("unknown column %s in the header (the columns are %s)", strings.Join(unknown, ", "), columnNames(cols))}
	}
	for i, c := range cols {
		if c.required && !seen[i] {
			return nil, &FormatError{Line: 1, Msg: fmt.Sprintf("the header lacks the required column %s", c.name)}
		}
	}
	return s, nil
}

// csvError says what is wrong with a record, never what it holds.
func csvError(err error) error {
	var pe *csv.ParseError
	if !errors.As(err, &pe) {
		return fmt.Errorf("read the file: %w", err)
	}
	if errors.Is(pe.Err, csv.ErrFieldCount) {
		return &FormatError{Line: pe.StartLine, Msg: "wrong number of fields: every record has as many as the header"}
	}
	return &FormatError{Line: pe.Line, Msg: fmt.Sprintf("%v, column %d", pe.Err, pe.Column)}
}

func (s *csvSource) next() (*row, error) {
	rec, err := s.r.Read()
	if err != nil {
		if err == io.EOF {
			return nil, io.EOF
		}
		return nil, csvError(err)
	}
	line, _ := s.r.FieldPos(0)
	s.row.line = line
	s.row.rejected = s.row.rejected[:0]
	clear(s.row.vals)
	for i, v := range rec {
		if c := s.index[i]; c >= 0 {
			s.row.vals[c] = v
		}
	}
	return &s.row, nil
}

// jsonlSource reads JSON Lines: one object a line, its keys the kind's
// columns, its values strings, numbers (read as written: an amount never
// passes through a float), true, false, null (as empty) or lists of
// strings (joined by spaces). Blank lines are skipped.
type jsonlSource struct {
	r     *bufio.Reader
	line  int
	index map[string]int
	row   row
	// structureOnly checks each line is a JSON object, without reading
	// its values: the prescan.
	structureOnly bool
}

// maxLine bounds a JSON line: a row is a few hundred bytes.
const maxLine = 1 << 20

func newJSONL(in io.Reader, cols []column) *jsonlSource {
	s := &jsonlSource{r: bufio.NewReaderSize(in, 64<<10), index: map[string]int{}, row: row{cols: cols, vals: make([]string, len(cols))}}
	for i, c := range cols {
		s.index[c.name] = i
	}
	return s
}

// readLine returns the next line without its end, or io.EOF.
func (s *jsonlSource) readLine() ([]byte, error) {
	var long []byte
	for {
		part, err := s.r.ReadSlice('\n')
		if err == bufio.ErrBufferFull {
			if len(long)+len(part) > maxLine {
				return nil, &FormatError{Line: s.line + 1, Msg: fmt.Sprintf("the line is longer than %d bytes", maxLine)}
			}
			long = append(long, part...)
			continue
		}
		if err != nil && err != io.EOF {
			return nil, fmt.Errorf("read the file: %w", err)
		}
		if err == io.EOF && len(part) == 0 && len(long) == 0 {
			return nil, io.EOF
		}
		s.line++
		if long != nil {
			part = append(long, part...)
		}
		if s.line == 1 {
			part = bytes.TrimPrefix(part, []byte(bom))
		}
		return bytes.TrimRight(part, "\r\n"), nil
	}
}

func (s *jsonlSource) next() (*row, error) {
	for {
		line, err := s.readLine()
		if err != nil {
			return nil, err
		}
		line = bytes.TrimSpace(line)
		if len(line) == 0 {
			continue
		}
		if line[0] != '{' {
			return nil, &FormatError{Line: s.line, Msg: "not a JSON object: each line holds one object"}
		}
		if s.structureOnly {
			if !json.Valid(line) {
				return nil, s.syntaxError(line)
			}
			return &s.row, nil
		}
		var obj map[string]json.RawMessage
		if err := json.Unmarshal(line, &obj); err != nil {
			return nil, s.syntaxError(line)
		}
		s.row.line = s.line
		s.row.rejected = s.row.rejected[:0]
		clear(s.row.vals)
		for k, raw := range obj {
			c, ok := s.index[strings.ToLower(k)]
			if !ok {
				s.row.rejected = append(s.row.rejected, Rejection{Line: s.line, Field: fieldName(k),
					Reason: fmt.Sprintf("unknown field (the fields are %s)", columnNames(s.row.cols))})
				continue
			}
			v, ok := scalar(raw)
			if !ok {
				s.row.reject(c, "want a string, a number or a list of strings")
				continue
			}
			s.row.vals[c] = v
		}
		return &s.row, nil
	}
}

// syntaxError says where a line stops being JSON, not what it holds.
func (s *jsonlSource) syntaxError(line []byte) error {
	var se *json.SyntaxError
	if err := json.Unmarshal(line, new(any)); errors.As(err, &se) {
		return &FormatError{Line: s.line, Msg: fmt.Sprintf("not valid JSON (at byte %d of the line)", se.Offset)}
	}
	return &FormatError{Line: s.line, Msg: "not valid JSON"}
}

// scalar reads a JSON value as the text a CSV cell would hold.
func scalar(raw json.RawMessage) (string, bool) {
	raw = bytes.TrimSpace(raw)
	if len(raw) == 0 {
		return "", true
	}
	switch raw[0] {
	case '"':
		var s string
		err := json.Unmarshal(raw, &s)
		return s, err == nil
	case 'n':
		return "", true
	case '[':
		var list []string
		if err := json.Unmarshal(raw, &list); err != nil {
			return "", false
		}
		return strings.Join(list, " "), true
	case '{':
		return "", false
	}
	return string(raw), true // a number, true or false, as written
}
