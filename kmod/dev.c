// SPDX-License-Identifier: GPL-2.0
/*
 * /dev/sockobj: a misc device whose every open is an independent context.
 *
 * Copyright (C) 2026 The sockobj authors.
 */

#include <linux/err.h>
#include <linux/fs.h>
#include <linux/miscdevice.h>
#include <linux/module.h>
#include <linux/sockobj.h>

#include "compat.h"
#include "dev.h"
#include "event.h"
#include "file.h"
#include "ioctl.h"
#include "uring.h"

static int fop_open(struct inode *inode, struct file *filp)
{
	struct sockobj_file *file = sockobj_file_create();

	if (IS_ERR(file))
		return PTR_ERR(file);
	filp->private_data = file;
	return stream_open(inode, filp);
}

static int fop_release(struct inode *inode, struct file *filp)
{
	sockobj_file_release(filp->private_data);
	return 0;
}

static ssize_t fop_read(struct file *filp, char __user *buf, size_t count,
			loff_t *ppos)
{
	return sockobj_ioctl_read(filp->private_data, buf, count,
				  filp->f_flags & O_NONBLOCK);
}

static __poll_t fop_poll(struct file *filp, poll_table *pt)
{
	return sockobj_event_poll(filp->private_data, filp, pt);
}

static int fop_mmap(struct file *filp, struct vm_area_struct *vma)
{
	return sockobj_event_mring_mmap(filp->private_data, vma);
}

static long fop_ioctl(struct file *filp, unsigned int cmd, unsigned long arg)
{
	return sockobj_ioctl_dispatch(filp->private_data, cmd, arg);
}

static const struct file_operations dev_fops = {
	.owner = THIS_MODULE,
	.open = fop_open,
	.release = fop_release,
	.read = fop_read,
	.poll = fop_poll,
	.mmap = fop_mmap,
	.unlocked_ioctl = fop_ioctl,
	.compat_ioctl = compat_ptr_ioctl,
#if IS_ENABLED(CONFIG_IO_URING)
	.uring_cmd = sockobj_uring_cmd,
#endif
	.llseek = noop_llseek,
};

/*
 * Root only by default: the module cannot call the LSM connect and bind
 * hooks, so wider access is an administrator's choice (a udev rule).
 */
static struct miscdevice sockobj_misc = {
	.minor = MISC_DYNAMIC_MINOR,
	.name = SOCKOBJ_DEVICE_NAME,
	.fops = &dev_fops,
	.mode = 0600,
};

/**
 * sockobj_dev_init() - register /dev/sockobj
 *
 * Context: module init.
 * Return: 0 or the error of misc_register().
 */
int sockobj_dev_init(void)
{
	return misc_register(&sockobj_misc);
}

/**
 * sockobj_dev_uninit() - unregister /dev/sockobj
 *
 * Context: module exit; no file can be open (each pins the module).
 */
void sockobj_dev_uninit(void)
{
	misc_deregister(&sockobj_misc);
}
