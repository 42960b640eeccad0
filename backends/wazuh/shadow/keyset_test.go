package shadow

import "testing"

// TestKeySet: keys are found after growth, and reset empties the set (also
// when the generation counter wraps).
func TestKeySet(t *testing.T) {
	var s keySet
	for round := 0; round < 3; round++ {
		s.reset()
		for k := uint64(0); k < 5000; k++ {
			if !s.add(k * 7919) {
				t.Fatalf("round %d: %d reported present before it was added", round, k)
			}
		}
		for k := uint64(0); k < 5000; k++ {
			if s.add(k * 7919) {
				t.Fatalf("round %d: %d added twice", round, k)
			}
		}
	}
	s.gen = ^uint32(0)
	s.reset()
	if !s.add(7919) || s.add(7919) {
		t.Errorf("after the generation wrapped: the set is not empty or does not keep keys")
	}
}
