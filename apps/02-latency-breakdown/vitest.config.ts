import { connlabProject } from '../../vitest.shared.js';

export default connlabProject('02-latency-breakdown');
