import { connlabProject } from '../../vitest.shared.js';

export default connlabProject('15-tcp-keepalive');
