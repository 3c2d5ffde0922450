import { connlabProject } from '../../vitest.shared.js';

export default connlabProject('03-handshake-cost');
