//go:build linux

package analysisd

import (
	"archive/tar"
	"bufio"
	"bytes"
	"context"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/ulikunitz/xz"
)

// state is the running engine's side of Engine.
type state struct {
	running bool
	run     string
	seq     int
	tail    alertsTail
}

// Unpack extracts the wazuh-oracle archive (a .tar.xz) into dir and returns the
// engine folder dir/wazuh-oracle (not started).
func Unpack(archive, dir string) (*Engine, error) {
	f, err := os.Open(archive)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	xr, err := xz.NewReader(bufio.NewReaderSize(f, 1<<20))
	if err != nil {
		return nil, fmt.Errorf("analysisd: %s: %w", archive, err)
	}
	tr := tar.NewReader(xr)
	absDir, err := filepath.Abs(dir)
	if err != nil {
		return nil, err
	}
	if real, err := filepath.EvalSymlinks(absDir); err == nil {
		absDir = real
	}
	for {
		h, err := tr.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, fmt.Errorf("analysisd: %s: %w", archive, err)
		}
		name := filepath.Clean(filepath.FromSlash(h.Name))
		if filepath.IsAbs(name) || name == ".." || strings.HasPrefix(name, ".."+string(filepath.Separator)) {
			return nil, fmt.Errorf("analysisd: %s: unsafe path %q", archive, h.Name)
		}
		p := filepath.Join(absDir, name)
		mode := os.FileMode(h.Mode).Perm()
		switch h.Typeflag {
		case tar.TypeDir:
			if err := os.MkdirAll(p, mode|0o700); err != nil {
				return nil, err
			}
		case tar.TypeReg:
			if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
				return nil, err
			}
			out, err := os.OpenFile(p, os.O_CREATE|os.O_WRONLY|os.O_TRUNC, mode)
			if err != nil {
				return nil, err
			}
			_, err = io.Copy(out, tr)
			if cerr := out.Close(); err == nil {
				err = cerr
			}
			if err != nil {
				return nil, fmt.Errorf("analysisd: extracting %s: %w", h.Name, err)
			}
		case tar.TypeSymlink:
			if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
				return nil, err
			}
			if err := os.Symlink(h.Linkname, p); err != nil {
				return nil, err
			}
		case tar.TypeLink:
			old := filepath.Join(absDir, filepath.Clean(filepath.FromSlash(h.Linkname)))
			if err := os.Link(old, p); err != nil {
				return nil, err
			}
		}
	}
	e := &Engine{Dir: filepath.Join(absDir, "wazuh-oracle")}
	e.Root = filepath.Join(e.Dir, "root")
	if _, err := os.Stat(filepath.Join(e.Root, "bin", "wazuh-analysisd")); err != nil {
		return nil, fmt.Errorf("analysisd: %s has no wazuh-oracle/root/bin/wazuh-analysisd", archive)
	}
	return e, nil
}

// RulesFile is the generated rules' place: etc/rules/local_rules.xml.
func (e *Engine) RulesFile() string { return filepath.Join(e.Root, "etc", "rules", "local_rules.xml") }

// StockLocalRules returns the stock local_rules.xml (the manager's example file).
func (e *Engine) StockLocalRules() ([]byte, error) {
	return os.ReadFile(filepath.Join(e.Root, "etc", "oracle", "local_rules.stock.xml"))
}

// WriteRules installs a rules file as etc/rules/local_rules.xml (read by the
// next ConfigTest, Start or Reload).
func (e *Engine) WriteRules(rulesXML []byte) error {
	return os.WriteFile(e.RulesFile(), rulesXML, 0o640)
}

// ConfigTest installs rulesXML (nil: keep the installed file) and runs
// `wazuh-analysisd -t`: the manager's configuration and ruleset check. It
// returns the command's output, and an error carrying the output's error lines
// when the check fails. The duration is in ConfigTestDuration.
func (e *Engine) ConfigTest(rulesXML []byte) (string, error) {
	if rulesXML != nil {
		if err := e.WriteRules(rulesXML); err != nil {
			return "", err
		}
	}
	cmd := exec.Command("./bin/wazuh-analysisd", "-t")
	cmd.Dir = e.Root
	t0 := time.Now()
	out, err := cmd.CombinedOutput()
	e.ConfigTestDuration = time.Since(t0)
	if err != nil {
		return string(out), fmt.Errorf("wazuh-analysisd -t: %v: %s", err, errorLines(string(out)))
	}
	return string(out), nil
}

// errorLines keeps the ERROR/CRITICAL lines of analysisd's output (all of it when there are none).
func errorLines(out string) string {
	var keep []string
	for _, l := range strings.Split(out, "\n") {
		if strings.Contains(l, "ERROR") || strings.Contains(l, "CRITICAL") {
			keep = append(keep, strings.TrimSpace(l))
		}
	}
	if len(keep) == 0 {
		return strings.TrimSpace(out)
	}
	if len(keep) > 10 {
		keep = append(keep[:10], fmt.Sprintf("... (%d more)", len(keep)-10))
	}
	return strings.Join(keep, "; ")
}

func (e *Engine) python() string {
	if e.Python != "" {
		return e.Python
	}
	return "python3"
}

func (e *Engine) timeout() time.Duration {
	if e.Timeout > 0 {
		return e.Timeout
	}
	return 60 * time.Second
}

func waitFor(ctx context.Context, what string, limit time.Duration, ok func() bool) error {
	deadline := time.Now().Add(limit)
	for !ok() {
		if time.Now().After(deadline) {
			return fmt.Errorf("analysisd: %s: timed out after %v", what, limit)
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("analysisd: %s: %w", what, ctx.Err())
		case <-time.After(20 * time.Millisecond):
		}
	}
	return nil
}

func isSocket(p string) bool {
	st, err := os.Stat(p)
	return err == nil && st.Mode()&os.ModeSocket != 0
}

// Start runs the wazuh-db stand-in and wazuh-analysisd with the installed
// rules (as start.sh does) and waits until the engine answers a sentinel
// event. Loading all of SigmaHQ takes tens of seconds.
func (e *Engine) Start(ctx context.Context) error {
	t0 := time.Now()
	e.Stop()
	for _, d := range []string{"queue/sockets", "queue/db", "var/run", "logs/alerts", "logs/archives", "stats"} {
		if err := os.MkdirAll(filepath.Join(e.Root, d), 0o750); err != nil {
			return err
		}
	}
	for _, s := range []string{"queue/sockets/queue", "queue/sockets/logtest", "queue/sockets/analysis", "queue/db/wdb"} {
		os.Remove(filepath.Join(e.Root, s))
	}
	wdb := exec.CommandContext(ctx, e.python(), filepath.Join(e.Dir, "fake_wdb.py"), "--root", e.Root, "--daemon",
		"--pidfile", filepath.Join(e.Root, "var", "run", "fake-wdb.pid"))
	if out, err := wdb.CombinedOutput(); err != nil {
		return fmt.Errorf("analysisd: starting the wazuh-db stand-in: %v: %s", err, out)
	}
	if err := waitFor(ctx, "wazuh-db stand-in socket", 10*time.Second, func() bool {
		return isSocket(filepath.Join(e.Root, "queue", "db", "wdb"))
	}); err != nil {
		e.Stop()
		return err
	}
	// analysisd daemonizes itself once its configuration is read.
	cmd := exec.CommandContext(ctx, "./bin/wazuh-analysisd")
	cmd.Dir = e.Root
	if out, err := cmd.CombinedOutput(); err != nil {
		e.Stop()
		return fmt.Errorf("analysisd: wazuh-analysisd failed to start: %v: %s%s", err, out, e.logTail())
	}
	e.running = true
	if err := waitFor(ctx, "queue socket", 5*time.Minute, func() bool {
		return isSocket(filepath.Join(e.Root, "queue", "sockets", "queue"))
	}); err != nil {
		e.Stop()
		return fmt.Errorf("%w%s", err, e.logTail())
	}
	if err := e.Ping(ctx, 5*time.Minute); err != nil {
		e.Stop()
		return err
	}
	e.StartDuration = time.Since(t0)
	return nil
}

// logTail is the end of logs/ossec.log, for error messages.
func (e *Engine) logTail() string {
	data, err := os.ReadFile(filepath.Join(e.Root, "logs", "ossec.log"))
	if err != nil {
		return ""
	}
	lines := strings.Split(strings.TrimRight(string(data), "\n"), "\n")
	if len(lines) > 15 {
		lines = lines[len(lines)-15:]
	}
	return "\nlogs/ossec.log:\n" + strings.Join(lines, "\n")
}

// Ping sends generic sentinels until the engine alerts on one.
func (e *Engine) Ping(ctx context.Context, limit time.Duration) error {
	conn, err := e.dial()
	if err != nil {
		return err
	}
	defer conn.Close()
	e.tail.reset(e.alertsPath())
	nonce := e.nonce()
	var next time.Time
	found := false
	err = waitFor(ctx, "waiting for the engine to answer", limit, func() bool {
		if time.Now().After(next) {
			conn.Write([]byte("1:wazuh-oracle-sentinel:" + nonce))
			next = time.Now().Add(2 * time.Second)
		}
		lines, _ := e.tail.lines()
		for _, l := range lines {
			if bytes.Contains(l, []byte(nonce)) {
				found = true
			}
		}
		return found
	})
	if err != nil {
		return fmt.Errorf("%w%s", err, e.logTail())
	}
	return nil
}

// Reload hot-reloads the ruleset (after WriteRules) through the analysis
// socket, as `oracle_client.py --reload`; a refused reload (errors in the
// rules) leaves the old ruleset active and returns analysisd's answer.
func (e *Engine) Reload() error {
	t0 := time.Now()
	conn, err := net.DialTimeout("unix", filepath.Join(e.Root, "queue", "sockets", "analysis"), 10*time.Second)
	if err != nil {
		return fmt.Errorf("analysisd: reload: %w", err)
	}
	defer conn.Close()
	conn.SetDeadline(time.Now().Add(10 * time.Minute))
	req := []byte(`{"command":"reload-ruleset"}`)
	var hdr [4]byte
	binary.LittleEndian.PutUint32(hdr[:], uint32(len(req)))
	if _, err := conn.Write(append(hdr[:], req...)); err != nil {
		return fmt.Errorf("analysisd: reload: %w", err)
	}
	if _, err := io.ReadFull(conn, hdr[:]); err != nil {
		return fmt.Errorf("analysisd: reload: no answer: %w", err)
	}
	body := make([]byte, binary.LittleEndian.Uint32(hdr[:]))
	if _, err := io.ReadFull(conn, body); err != nil {
		return fmt.Errorf("analysisd: reload: %w", err)
	}
	var ans struct {
		Error   int             `json:"error"`
		Message string          `json:"message"`
		Data    json.RawMessage `json:"data"`
	}
	if err := json.Unmarshal(body, &ans); err != nil {
		return fmt.Errorf("analysisd: reload: unreadable answer %q", body)
	}
	if ans.Error != 0 {
		return fmt.Errorf("analysisd: reload refused (the old ruleset stays active): %s", body)
	}
	e.ReloadDuration = time.Since(t0)
	return nil
}

// Stop ends the wazuh-analysisd and wazuh-db stand-in this folder started (by
// their pid files, checking that each pid still is one of them).
func (e *Engine) Stop() {
	run := filepath.Join(e.Root, "var", "run")
	pids, _ := filepath.Glob(filepath.Join(run, "wazuh-analysisd-*.pid"))
	pids = append(pids, filepath.Join(run, "fake-wdb.pid"))
	for _, pf := range pids {
		data, err := os.ReadFile(pf)
		if err != nil {
			continue
		}
		pid, err := strconv.Atoi(strings.TrimSpace(string(data)))
		if err == nil && pid > 1 && ours(pid, e.Root) {
			syscall.Kill(pid, syscall.SIGTERM)
			for i := 0; i < 100 && alive(pid); i++ {
				time.Sleep(50 * time.Millisecond)
			}
			if alive(pid) {
				syscall.Kill(pid, syscall.SIGKILL)
			}
		}
		os.Remove(pf)
	}
	for _, s := range []string{"queue/sockets/queue", "queue/sockets/logtest", "queue/db/wdb"} {
		os.Remove(filepath.Join(e.Root, s))
	}
	e.running = false
}

// ours reports whether pid is a wazuh-analysisd or fake_wdb.py of this root.
func ours(pid int, root string) bool {
	cmdline, err := os.ReadFile(fmt.Sprintf("/proc/%d/cmdline", pid))
	if err != nil {
		return false
	}
	c := string(cmdline)
	if strings.Contains(c, "fake_wdb.py") {
		return strings.Contains(c, root)
	}
	if !strings.Contains(c, "wazuh-analysisd") {
		return false
	}
	// analysisd runs in root (chrooted into it once started).
	for _, link := range []string{"root", "cwd"} {
		if p, err := os.Readlink(fmt.Sprintf("/proc/%d/%s", pid, link)); err == nil && (p == root || strings.HasPrefix(p, root+"/")) {
			return true
		}
	}
	return false
}

func alive(pid int) bool {
	if err := syscall.Kill(pid, 0); err != nil {
		return false
	}
	// A zombie is dead for our purpose.
	stat, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return false
	}
	if i := bytes.LastIndexByte(stat, ')'); i >= 0 && i+2 < len(stat) {
		return stat[i+2] != 'Z'
	}
	return true
}

func (e *Engine) alertsPath() string { return filepath.Join(e.Root, "logs", "alerts", "alerts.json") }

func (e *Engine) dial() (*net.UnixConn, error) {
	addr := &net.UnixAddr{Name: filepath.Join(e.Root, "queue", "sockets", "queue"), Net: "unixgram"}
	conn, err := net.DialUnix("unixgram", nil, addr)
	if err != nil {
		return nil, fmt.Errorf("analysisd: queue socket: %w (is the engine started?)", err)
	}
	conn.SetWriteBuffer(4 << 20)
	return conn, nil
}

func (e *Engine) nonce() string {
	if e.run == "" {
		e.run = strconv.FormatInt(time.Now().UnixNano()%1e12, 36)
	}
	e.seq++
	return fmt.Sprintf("WAZUH_ORACLE_SENTINEL_%s_%08d", e.run, e.seq)
}

// escapeLocation writes ':' as "|:" and '|' as "||", as analysisd expects.
func escapeLocation(loc string) string {
	return strings.NewReplacer("|", "||", ":", "|:").Replace(loc)
}

func (ev Event) windows() bool { return ev.XML != "" }

func (ev Event) message() (string, error) {
	switch {
	case ev.XML != "":
		x := ev.XML
		if !ev.RawXML {
			x = AgentFormat(x)
		}
		return "f:EventChannel:" + wireJSON(ev.Message, x), nil
	case ev.Line != "":
		loc := ev.Location
		if loc == "" {
			loc = "rulec"
		}
		return "1:" + escapeLocation(loc) + ":" + strings.TrimRight(ev.Line, "\r\n"), nil
	}
	return "", errors.New("analysisd: empty event (neither XML nor Line)")
}

func sentinel(windows bool, nonce string) string {
	if windows {
		return "f:EventChannel:" + wireJSON("", "<Event xmlns='"+EventNS+"'><System><Provider Name='WazuhOracleSentinel'/>"+
			"<EventID>1</EventID><Level>4</Level><Channel>WazuhOracleSentinel</Channel>"+
			"<Computer>wazuh-oracle</Computer></System><EventData>"+
			"<Data Name='nonce'>"+nonce+"</Data></EventData></Event>")
	}
	return "1:wazuh-oracle-sentinel:" + nonce
}

// maxMessage is analysisd's message size (OS_MAXSTR); longer ones are cut.
const maxMessage = 65536

// Run sends the events in order and returns, for each, every alert it raised.
// Windows events and lines go through different decoder threads, so each run
// of same-kind events is finished before the next kind is sent. analysisd
// keeps state between events (firedtimes, frequency rules), as a manager does.
func (e *Engine) Run(events []Event) ([]Result, error) {
	out := make([]Result, len(events))
	conn, err := e.dial()
	if err != nil {
		return nil, err
	}
	defer conn.Close()
	batch := e.Batch
	if batch <= 0 {
		batch = 200
	}
	for start := 0; start < len(events); {
		end := start + 1
		for end < len(events) && end-start < batch && events[end].windows() == events[start].windows() {
			end++
		}
		if err := e.runBatch(conn, events[start:end], out[start:end]); err != nil {
			return out, fmt.Errorf("events %d..%d: %w", start, end-1, err)
		}
		start = end
	}
	return out, nil
}

func (e *Engine) runBatch(conn *net.UnixConn, events []Event, out []Result) error {
	e.tail.reset(e.alertsPath())
	nonces := make([][]byte, len(events))
	for i, ev := range events {
		msg, err := ev.message()
		if err != nil {
			return err
		}
		if len(msg) > maxMessage {
			return fmt.Errorf("analysisd: event %d is %d bytes, over analysisd's %d", i, len(msg), maxMessage)
		}
		n := e.nonce()
		nonces[i] = []byte(n)
		if err := send(conn, msg); err != nil {
			return err
		}
		if err := send(conn, sentinel(ev.windows(), n)); err != nil {
			return err
		}
	}
	k := 0
	var collected []Alert
	deadline := time.Now().Add(e.timeout())
	for k < len(events) {
		lines, err := e.tail.lines()
		if err != nil {
			return err
		}
		if len(lines) == 0 {
			if time.Now().After(deadline) {
				return fmt.Errorf("analysisd: no answer for event %d of %d after %v%s", k, len(events), e.timeout(), e.logTail())
			}
			time.Sleep(5 * time.Millisecond)
			continue
		}
		deadline = time.Now().Add(e.timeout())
		for _, l := range lines {
			if !bytes.Contains(l, []byte("WAZUH_ORACLE_SENTINEL_")) {
				a, err := parseAlert(l)
				if err != nil {
					return err
				}
				collected = append(collected, a)
				continue
			}
			j := -1
			for i := k; i < len(events); i++ {
				if bytes.Contains(l, nonces[i]) {
					j = i
					break
				}
			}
			if j < 0 {
				continue // an earlier run's sentinel
			}
			if j > k {
				return fmt.Errorf("analysisd: the sentinels of events %d..%d were lost (events dropped?)", k, j-1)
			}
			out[k].Alerts = collected
			collected = nil
			k++
		}
	}
	return nil
}

func send(conn *net.UnixConn, msg string) error {
	for attempt := 0; ; attempt++ {
		_, err := conn.Write([]byte(msg))
		if err == nil {
			return nil
		}
		if attempt >= 200 || !(errors.Is(err, syscall.EAGAIN) || errors.Is(err, syscall.ENOBUFS) || errors.Is(err, syscall.ECONNREFUSED)) {
			return fmt.Errorf("analysisd: sending to the queue socket: %w", err)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// alertsTail reads the lines appended to alerts.json.
type alertsTail struct {
	path string
	ino  uint64
	off  int64
	buf  []byte
}

// reset starts tailing at the current end of the file.
func (t *alertsTail) reset(path string) {
	*t = alertsTail{path: path}
	if st, err := os.Stat(path); err == nil {
		t.ino, t.off = st.Sys().(*syscall.Stat_t).Ino, st.Size()
	}
}

func (t *alertsTail) lines() ([][]byte, error) {
	st, err := os.Stat(t.path)
	if err != nil {
		return nil, nil
	}
	ino := st.Sys().(*syscall.Stat_t).Ino
	if ino != t.ino || st.Size() < t.off {
		t.ino, t.off, t.buf = ino, 0, nil
	}
	if st.Size() == t.off {
		return nil, nil
	}
	f, err := os.Open(t.path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	if _, err := f.Seek(t.off, io.SeekStart); err != nil {
		return nil, err
	}
	chunk, err := io.ReadAll(f)
	if err != nil {
		return nil, err
	}
	t.off += int64(len(chunk))
	t.buf = append(t.buf, chunk...)
	var out [][]byte
	for {
		i := bytes.IndexByte(t.buf, '\n')
		if i < 0 {
			break
		}
		if l := bytes.TrimSpace(t.buf[:i]); len(l) > 0 {
			out = append(out, append([]byte(nil), l...))
		}
		t.buf = t.buf[i+1:]
	}
	return out, nil
}
