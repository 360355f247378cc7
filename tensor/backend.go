package tensor

import (
	"fmt"
	"sort"
	"sync"

	"github.com/gollm/gollm/quant"
)

// Backend computes graphs on one device. Backends are found through the
// registry (RegByName("CPU"), DefaultBackend) and mirror ggml's
// reg → device → backend flow. The CPU backend is always registered.
type Backend interface {
	// Name returns the backend's name, e.g. "CPU".
	Name() string
	// Device returns the device the backend runs on.
	Device() Device
	// Alloc returns a buffer of n bytes in memory the device computes on.
	Alloc(n int) (Buffer, error)
	// Compute runs the planned graph's nodes (Graph.Nodes) in order.
	Compute(g *Graph) error
	// Close releases the backend's resources (worker threads, queues).
	Close() error
}

// Buffer is memory allocated by a backend. Its bytes are addressable from
// the host (CPU memory, or unified memory on Apple GPUs); tensors placed in
// it are made with New.
type Buffer interface {
	// Bytes returns the buffer's memory; the slice stays valid until Free.
	Bytes() []byte
	// Free releases the buffer. Tensors in it must not be used afterwards.
	Free()
}

// DeviceType classifies devices as ggml does.
type DeviceType int

// Device types.
const (
	DeviceCPU DeviceType = iota
	DeviceGPU
	DeviceAccel
)

// String names the device type.
func (t DeviceType) String() string {
	switch t {
	case DeviceCPU:
		return "CPU"
	case DeviceGPU:
		return "GPU"
	case DeviceAccel:
		return "ACCEL"
	}
	return fmt.Sprintf("DeviceType(%d)", int(t))
}

// Device is one device of a registered backend.
type Device interface {
	// Name returns a short name, e.g. "CPU" or "Metal".
	Name() string
	// Description returns a human-readable description (the CPU model…).
	Description() string
	// Type returns the kind of device.
	Type() DeviceType
	// Memory returns free and total memory in bytes (0, 0 when unknown).
	Memory() (free, total uint64)
	// Init starts a backend on the device.
	Init(opts BackendOptions) (Backend, error)
}

// BackendOptions configure Device.Init. The zero value gives defaults.
type BackendOptions struct {
	// Threads is the number of CPU worker threads; 0 means
	// runtime.GOMAXPROCS(0) (which follows the container's CPU quota).
	Threads int
}

// Reg is a registered backend family: it enumerates its devices.
type Reg interface {
	// Name returns the registration name, e.g. "CPU" or "Metal".
	Name() string
	// Devices returns the devices found, possibly none.
	Devices() []Device
}

var registry struct {
	sync.Mutex
	regs map[string]Reg
}

// Register adds a backend family to the registry. It fails if the name is
// taken. Backend packages call it from init.
func Register(r Reg) error {
	registry.Lock()
	defer registry.Unlock()
	if registry.regs == nil {
		registry.regs = map[string]Reg{}
	}
	if _, dup := registry.regs[r.Name()]; dup {
		return fmt.Errorf("tensor: backend %q registered twice", r.Name())
	}
	registry.regs[r.Name()] = r
	return nil
}

// RegByName returns the registered backend family called name.
func RegByName(name string) (Reg, bool) {
	registry.Lock()
	defer registry.Unlock()
	r, ok := registry.regs[name]
	return r, ok
}

// Regs returns all registered backend families, sorted by name.
func Regs() []Reg {
	registry.Lock()
	defer registry.Unlock()
	out := make([]Reg, 0, len(registry.regs))
	for _, r := range registry.regs {
		out = append(out, r)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name() < out[j].Name() })
	return out
}

// InitBackend starts a backend on the first device of the family called
// name.
func InitBackend(name string, opts BackendOptions) (Backend, error) {
	r, ok := RegByName(name)
	if !ok {
		return nil, fmt.Errorf("tensor: no backend %q registered", name)
	}
	devs := r.Devices()
	if len(devs) == 0 {
		return nil, fmt.Errorf("tensor: backend %q has no devices", name)
	}
	be, err := devs[0].Init(opts)
	if err != nil {
		return nil, fmt.Errorf("tensor: init %s: %w", name, err)
	}
	return be, nil
}

// DefaultBackend starts the CPU backend with default options.
func DefaultBackend() (Backend, error) { return InitBackend("CPU", BackendOptions{}) }

// Alloc allocates a buffer of the tensor's size on be and returns a tensor
// of type typ and shape ne placed in it, with the buffer (to Free when the
// tensor is no longer needed). Use it for persistent state such as KV caches.
func Alloc(be Backend, typ quant.Type, ne ...int) (*Tensor, Buffer, error) {
	var probe Tensor
	if err := probe.init(typ, ne); err != nil {
		return nil, nil, err
	}
	buf, err := be.Alloc(probe.Bytes())
	if err != nil {
		return nil, nil, err
	}
	t, err := New(typ, buf.Bytes()[:probe.Bytes()], ne...)
	if err != nil {
		buf.Free()
		return nil, nil, err
	}
	return t, buf, nil
}
