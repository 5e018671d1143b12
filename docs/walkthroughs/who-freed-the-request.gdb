# tasklab debug kthread-run -x docs/walkthroughs/who-freed-the-request.gdb
break kthread_stop
run
task 39
bt
frame 5
print _create->__slab->freed
watch -l _create->__slab->freed
reverse-continue
bt
info tasks
continue
