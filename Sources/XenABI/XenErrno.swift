/// Xen's errno values (`xen/errno.h`). Hypercalls return them negated in r0; this is the one place where
/// xenarm's internal errors become guest-visible codes.
public enum XenErrno: Int32, Error, Sendable, CaseIterable {
    case EPERM = 1, ENOENT = 2, ESRCH = 3, EINTR = 4, EIO = 5, ENXIO = 6, E2BIG = 7, ENOEXEC = 8, EBADF = 9
    case EAGAIN = 11, ENOMEM = 12, EACCES = 13, EFAULT = 14, EBUSY = 16, EEXIST = 17, ENODEV = 19
    case EINVAL = 22, ENOSPC = 28, EROFS = 30, ERANGE = 34, ENOSYS = 38, ENODATA = 61, EOVERFLOW = 75

    /// The value a hypercall leaves in r0: -errno as a 32-bit register value.
    public var registerValue: UInt32 { UInt32(bitPattern: -rawValue) }
}
