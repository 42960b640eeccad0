package analysisd

import (
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"testing"

	"github.com/rulec/rulec/internal/shared"
)

// Find unpacks the shared wazuh-analysisd archive (../shared/wazuh from the
// module root, or $RULEC_SHARED/wazuh) into a fresh test folder and returns the
// engine, not started; it is stopped when the test ends. The test is skipped,
// saying why, when the archive is absent, the platform is not Linux, the test
// does not run as root (analysisd chroots into its folder) or python3 (the
// wazuh-db stand-in) is missing.
func Find(tb testing.TB) *Engine {
	tb.Helper()
	if runtime.GOOS != "linux" {
		tb.Skipf("the real wazuh-analysisd runs on Linux only (GOOS=%s): skipping", runtime.GOOS)
	}
	archive := shared.Path(tb, "wazuh", ArchiveName)
	if os.Geteuid() != 0 {
		tb.Skipf("wazuh-analysisd must run as root (it chroots into its folder); running as uid %d: skipping", os.Geteuid())
	}
	py, err := exec.LookPath("python3")
	if err != nil {
		tb.Skip("python3 not found (wazuh-oracle's wazuh-db stand-in, fake_wdb.py, needs it; .ci/run installs it): skipping")
	}
	e, err := Unpack(archive, tb.TempDir())
	if err != nil {
		tb.Fatalf("unpacking %s: %v", filepath.Base(archive), err)
	}
	e.Python = py
	tb.Cleanup(e.Stop)
	return e
}
